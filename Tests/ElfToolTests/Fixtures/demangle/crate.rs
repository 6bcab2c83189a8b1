// A crate whose symbols exercise the manglings: generics over many kinds of types, trait impls,
// closures, const generics, lifetimes, dyn, fn pointers and non-ASCII identifiers.
#![allow(non_ascii_idents, uncommon_codepoints, dead_code, non_snake_case, non_camel_case_types)]

use std::collections::HashMap;
use std::fmt::Debug;

pub mod généré {
    #[inline(never)]
    pub fn café(x: u32) -> u32 { x + 1 }
    #[inline(never)]
    pub fn 東京() -> &'static str { "tokyo" }
    pub struct Größe<T>(pub T);
    impl<T: Copy> Größe<T> {
        #[inline(never)]
        pub fn wert(&self) -> T { self.0 }
    }
}

pub struct Wrapper<T>(pub T);

impl<T: Clone> Wrapper<T> {
    #[inline(never)]
    pub fn get(&self) -> T { self.0.clone() }
}

pub trait Shape {
    fn area(&self) -> f64;
    fn name(&self) -> String { String::from("shape") }
}

impl Shape for Wrapper<f64> {
    #[inline(never)]
    fn area(&self) -> f64 { self.0 }
}

impl<'a, T: Debug> Shape for &'a [T] {
    #[inline(never)]
    fn area(&self) -> f64 { self.len() as f64 }
}

pub struct Arr<const N: usize>;
impl<const N: usize> Arr<N> {
    #[inline(never)]
    pub fn n(&self) -> usize { N }
}
pub struct Flag<const B: bool>;
impl<const B: bool> Flag<B> {
    #[inline(never)]
    pub fn get(&self) -> bool { B }
}
pub struct Letter<const C: char>;
impl<const C: char> Letter<C> {
    #[inline(never)]
    pub fn get(&self) -> char { C }
}
pub struct Signed<const I: i32>;
impl<const I: i32> Signed<I> {
    #[inline(never)]
    pub fn get(&self) -> i32 { I }
}
pub struct Big<const I: u128>;
impl<const I: u128> Big<I> {
    #[inline(never)]
    pub fn get(&self) -> u128 { I }
}

#[inline(never)]
pub fn size_of_val_of<T: ?Sized>(x: &T) -> usize { std::mem::size_of_val(x) }

#[inline(never)]
pub fn ident<T>(x: T) -> T { x }

#[inline(never)]
pub fn call_with<F: Fn(u8) -> u8>(f: F) -> u8 { f(3) }

#[inline(never)]
pub fn apply<'a>(f: for<'b> fn(&'b u8) -> &'b u8, x: &'a u8) -> &'a u8 { f(x) }

pub trait Visitor<'de> { type Value; fn visit(&self) -> Self::Value; }

pub unsafe extern "C" fn c_callback(x: i32) -> i32 { x }
pub extern "system" fn system_callback() {}

#[inline(never)]
pub fn map_keys<K: Clone + std::hash::Hash + Eq, V>(m: &HashMap<K, V>) -> Vec<K> { m.keys().cloned().collect() }

pub fn instantiate() -> usize {
    let mut n = 0usize;
    n += size_of_val_of::<[u8]>(&[1, 2, 3][..]);
    n += size_of_val_of::<str>("abc");
    n += size_of_val_of::<dyn Fn(&u8) -> &u8>(&|x: &u8| x);
    n += size_of_val_of::<dyn for<'a> Fn(&'a str) -> &'a str + Send>(&|x: &str| x);
    n += size_of_val_of::<dyn Iterator<Item = (u16, i64)>>(&std::iter::empty());
    n += size_of_val_of::<dyn Debug + Sync>(&5u8);
    n += size_of_val_of::<(i8, i16, i32, i64, i128, isize)>(&(1, 2, 3, 4, 5, 6));
    n += size_of_val_of::<(u8, u16, u32, u64, u128, usize)>(&(1, 2, 3, 4, 5, 6));
    n += size_of_val_of::<(f32, f64, bool, char, (), (u8,))>(&(1.0, 2.0, true, 'x', (), (1,)));
    n += size_of_val_of::<[[u32; 4]; 2]>(&[[0; 4]; 2]);
    n += size_of_val_of::<*const *mut u8>(&(std::ptr::null::<*mut u8>()));
    n += size_of_val_of::<&mut &'static str>(&&mut "x");
    n += size_of_val_of::<fn(u8, u16) -> !>(&((|_, _| panic!()) as fn(u8, u16) -> !));
    n += size_of_val_of::<unsafe extern "C" fn(i32) -> i32>(&(c_callback as unsafe extern "C" fn(i32) -> i32));
    n += size_of_val_of::<extern "system" fn()>(&(system_callback as extern "system" fn()));
    n += size_of_val_of::<Option<Box<dyn Shape>>>(&None);
    n += size_of_val_of::<Result<Vec<String>, HashMap<u8, char>>>(&Ok(vec![]));
    n += ident(Wrapper(2.5f64)).area() as usize;
    n += ident::<&[Wrapper<u8>]>(&[]).len();
    n += (&[1u8, 2][..]).area() as usize;
    n += Wrapper(String::from("x")).get().len();
    n += Wrapper(7u64).get() as usize;
    n += Arr::<3>.n() + Arr::<{ usize::MAX }>.n();
    n += Flag::<true>.get() as usize + Flag::<false>.get() as usize;
    n += Letter::<'ü'>.get() as usize + Letter::<'\''>.get() as usize + Letter::<'\n'>.get() as usize;
    n += Letter::<'東'>.get() as usize;
    n += Signed::<{ -42 }>.get() as usize + Signed::<{ i32::MIN }>.get() as usize;
    n += Big::<{ u128::MAX }>.get() as usize;
    n += call_with(|x| x + 1) as usize;
    n += call_with(move |x| x * n as u8) as usize;
    n += *apply(|x| x, &1) as usize;
    n += généré::café(1) as usize + généré::東京().len();
    n += généré::Größe(1u8).wert() as usize;
    let mut m = HashMap::new();
    m.insert(String::from("a"), 1u8);
    n += map_keys(&m).len();
    let v: Vec<Box<dyn Fn() -> usize>> = vec![Box::new(|| 1), Box::new(move || n)];
    n += v.iter().map(|f| f()).sum::<usize>();
    n += format!("{:?}", (1, "a", [2.0f32])).len();
    n
}
